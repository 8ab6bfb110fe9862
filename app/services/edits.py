"""The edits the editor reports to the document, which its recovery journal records.

They are the journal's own records (:mod:`app.store.autosave`), named here so that the UI
says what it changed without reaching into the store.
"""

from __future__ import annotations

from app.store.autosave import Op as Op
from app.store.autosave import insert_op as insert_op
from app.store.autosave import remove_op as remove_op
from app.store.autosave import set_extra_op as set_extra_op
from app.store.autosave import set_message_op as set_message_op
from app.store.autosave import set_phone_op as set_phone_op
