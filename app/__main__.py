"""``python -m app`` behaves exactly like the ``campaign-desk`` command."""

from app.main import main

raise SystemExit(main())
