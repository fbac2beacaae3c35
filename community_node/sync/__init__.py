"""Federation with the national hub: the outbox, sync runs, shared resources.

One module a concern, imported in this order (no cycles)::

    report       what a run did; error text
    connection   the stored hub connection, the HubPort client port, ``hub connect``
    outbox       changes queued in the same transaction as the change itself
    outcomes     the quarter's suppressed outcome cells, queued
    demand       the demand signals, queued when they change
    push         coalesce, batch and send the outbox; mark the answers
    resources    pull the resource feed into the local copy; read it
    deadletters  items the hub refused: list, requeue
    run          one ``connector-node sync``: all of the above, backoff, status
"""
