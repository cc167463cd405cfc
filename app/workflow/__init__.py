"""Issue 17's forms and ticket-page panels, importable without the agent views (the views
import `app.wiring`, which lists these panels)."""
