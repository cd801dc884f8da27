"""Messages to the floor: a line of text a supervisor or team lead posts to one dashboard's
walls or to every wall of the tenant, shown at once over the WebSocket until it expires."""
