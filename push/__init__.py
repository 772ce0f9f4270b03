"""Push engine: devices' subscriptions, the transactional outbox, and delivery through FCM."""
