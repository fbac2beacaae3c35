"""Networking events and job fairs: invitations, registration, check-in, introductions."""
