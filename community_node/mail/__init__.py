"""Email that is never lost: a transactional outbox, signed links, and a sender.

See ``community_node/mail/README.md`` for the API the rest of the node uses.
"""
