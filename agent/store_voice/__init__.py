"""The store's own voice: the sentences the bot writes and the tone it writes them in."""
