"""Nothing leaves the machine: Streamlit's look-up of this computer's external IP address is turned off.

Streamlit asks checkip.amazonaws.com for the machine's external address when a web page of another origin
tries to open the app's WebSocket (that address is one of the origins it lets in), and when a server that
listens on all addresses prints its URLs at start. No setting turns it off (Streamlit 1.67:
``browser.serverAddress`` only adds an address to check first, the look-up still follows), and the app has no
use for it: it serves this computer, or a classroom network on the address the browsers use. So the look-up
answers "no external address" at once, from the first page view on (:func:`no_external_ip_lookup`, called
by ``streamlit_app.py``).
"""

from __future__ import annotations


def _none() -> None:
    return None


def no_external_ip_lookup() -> None:
    """Make Streamlit's external-IP look-up answer None without asking the internet (for this process)."""
    from streamlit import net_util

    net_util.get_external_ip = _none
