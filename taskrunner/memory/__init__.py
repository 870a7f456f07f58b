"""The agent's memory store and the domain logic the memory tasks share.

``normalize`` turns note text into readable and comparable text, ``store``
reads, writes and locks ``memory/store.json``; the engine never imports this
package, only the memory tasks do.
"""
