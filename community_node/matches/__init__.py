"""Matches between a connectee and a connector, their meetings and the referrals."""
