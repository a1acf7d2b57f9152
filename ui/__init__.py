"""Streamlit glue of Colorization Studio: session state, cached models, shared widgets, the slider."""
