"""Qt widgets. They draw what the session holds and emit what the user asked for; they never call kernels."""
