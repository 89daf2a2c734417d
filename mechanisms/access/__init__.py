"""Access: who may join the network and at what entry cost."""
