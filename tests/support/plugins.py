"""Plugins the tests share: the operating contract they are checked against, and plugin specs.

The contract is the one ``packwarden.plugin.contract`` documents: two events, three actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

CONTRACT_PATH = "core/OPERATING_CONTRACT.md"
EVENTS_BLOCK = """\
```yaml
lifecycle_events:
  - name: ticket.created
    payload: {ticket_id: str, priority: str}
  - name: ticket.closed
```
"""
ACTIONS_BLOCK = """\
```yaml
allowed_actions_contract:
  notify: {channel: str, message: str}
  route_ticket: {queue: str}
  noop: {}
```
"""
CONTRACT = f"""\
---
contract_version: "1.0"
---
# Operating contract

{EVENTS_BLOCK}
{ACTIONS_BLOCK}"""


def plugin_spec(
    name: str,
    *,
    outputs: Sequence[str] = ("route_ticket", "notify"),
    version: str = "1.0.0",
    description: str | None = None,
) -> dict[str, Any]:
    """A good spec of a plugin on ``ticket.created``: high priority gets the last output,
    everything else the first. The description is ``The NAME plugin.`` unless given."""
    rules = [{"if_priority": "high", "action": outputs[-1]}, {"else": True, "action": outputs[0]}]
    return {
        "name": name,
        "version": version,
        "description": f"The {name} plugin." if description is None else description,
        "handles_event": "ticket.created",
        "outputs": list(outputs),
        "policy": {"rules": rules},
    }
