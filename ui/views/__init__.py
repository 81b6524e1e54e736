"""Page functions: each takes what it needs from ui.resources and ui.state and renders it."""
