"""Live topics over WebSocket: the hub that turns engine views into topic states, the
connection protocol, and the history endpoint of trend charts."""
