"""Participation: offers, anonymous surveys, the Mitmachpool and random invitations (Losverfahren)."""
