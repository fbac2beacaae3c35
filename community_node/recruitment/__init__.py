"""Where people come from: partner organisations, their recruiting needs, invitations."""
