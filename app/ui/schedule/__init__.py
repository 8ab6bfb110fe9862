"""The schedule and time-window picker: when a campaign goes out, checked as the operator
types against the chosen provider's rules (``app.domain.schedule``), with a preview of when
the first and last message would go out and a small chart of messages per hour or day."""
