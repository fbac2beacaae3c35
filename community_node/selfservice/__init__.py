"""Participants act for themselves, without an account: signed links and their pages.

``/act/<token>`` confirms one action (GET) and performs it (POST only); ``/me/<token>`` is
a connector's or connectee's own page. Every action goes through the same service the
staff pages and the API use (the match lifecycle, referrals, outcomes, participants).
"""
