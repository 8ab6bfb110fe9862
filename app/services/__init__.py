"""The use cases, Qt-free: the window (or a test, or the self-test) drives them and renders
their observable state. State changes are announced with psygnal signals, which the UI
connects to Qt models; nothing here imports PySide6."""
