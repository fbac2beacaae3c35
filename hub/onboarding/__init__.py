"""Becoming a Connector Community: applications, their review, the hand-over and go-live.

A city's organisation applies on a public form; national staff comment, ask for changes
(the applicant edits through a single-use link), approve or decline. Approval registers
the community and its OAuth2 client (``hub.communities``) in the same transaction, and a
second single-use link hands the client secret over once. A checklist follows the
community until it is live.
"""
