"""The web chat channel: public widget keys, chat sessions bound to a client token, and live delivery.

A *widget key* (``dpw_…``, only its SHA-256 digest stored) is public: it is embedded in a tenant's web page. So it
can do little: open a conversation (which returns a random per-conversation ``client_token``, digest stored),
post customer messages to a conversation it opened (with that token) and read or stream it. Every widget request
must come from a page whose origin is in the key's allowed list (``*`` allows any): its ``Origin``, or for a
same-origin ``GET`` its ``Referer`` (``access.page_origin``).

Delivery (WebSocket, or server-sent events as a fallback) sends, in log order, the customer-visible events
(``frames.VISIBLE``), tool calls in words as progress lines (``frames.PROGRESS``, never their arguments) and,
while connected, the transient reply deltas of ``dp.stream.<tenant>.<conversation>`` (``feed.chat_feed``).
Modules: ``access`` (keys, tokens, revocation watch), ``frames`` (what the customer sees), ``feed`` (replay then
live), ``hub`` (one live consumer and one delta subscription per connection, for all its chats), ``http`` (the
widget's HTTP API and SSE), ``socket`` (the WebSocket).
"""

from services.conversation.chat.access import WIDGET_KEY_PREFIX, digest, page_origin
from services.conversation.chat.feed import chat_feed
from services.conversation.chat.frames import delta_frame, frame_for
from services.conversation.chat.http import ChatController
from services.conversation.chat.socket import chat_socket

__all__ = [
    "WIDGET_KEY_PREFIX",
    "ChatController",
    "chat_feed",
    "chat_socket",
    "delta_frame",
    "digest",
    "frame_for",
    "page_origin",
]
