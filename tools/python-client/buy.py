"""A buy through a Python client generated from Megawatt's OpenAPI document
(openapi-python-client): the client is the document's, not hand-written, so this fails
if the document does not describe the API well enough to trade with.

    python buy.py URL BUYER_KEY
"""

import datetime
import sys

from megawatt_client import AuthenticatedClient
from megawatt_client.api.contracts import contracts_list
from megawatt_client.api.market import market_book
from megawatt_client.api.orders import orders_place
from megawatt_client.models import PlaceOrder, SideName

url, key = sys.argv[1:3]
client = AuthenticatedClient(base_url=url, token=key)

book = market_book.sync_detailed(client=client, model="h100-sxm")
assert book.status_code == 200, book.content
assert book.parsed.asks, "the demo's book has asks"
# The README's first buy: 64 H100 for 24 hours from tomorrow, at up to $2.50.
tomorrow = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=1)
start = f"{tomorrow.isoformat()}T00:00:00Z"
price = "2.50"
order = PlaceOrder(
    side=SideName.BUY, model="h100-sxm", gpus=64, start=start, hours=24, price=price
)
placed = orders_place.sync_detailed(client=client, body=order, idempotency_key="py-buy-1")
assert placed.status_code == 201, placed.content
view = placed.parsed
assert view.order.status == "filled", view.order.status
assert view.trades and view.contracts, "the fill made a contract"
contract = view.contracts[0].id

mine = contracts_list.sync_detailed(client=client, limit=100)
assert mine.status_code == 200, mine.content
assert contract in [c.id for c in mine.parsed.items], "the new contract is listed"

refused = orders_place.sync_detailed(
    client=client,
    body=PlaceOrder(
        side=SideName.BUY, model="h100-sxm", gpus=8, start="2020-01-01T00:00:00Z", hours=24, price=price
    ),
)
assert refused.status_code == 422 and refused.parsed.code == "window_in_past", refused.content
print(f"bought 64 GPUs at up to {price} through the generated client: {contract}")
