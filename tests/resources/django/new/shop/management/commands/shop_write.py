"""
Writes like the shop does: each customer with one order of two lines, one transaction per order. Prints one JSON
document on stdout with the ids of every committed (acknowledged) row, also when a write fails part-way (then with
the error, and the command exits 1).
"""
import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from shop.models import Customer, Order, OrderLine, Product


class Command(BaseCommand):
    help = "Write customers, orders and order lines through the ORM; print the acknowledged ids as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--tag", required=True, help="marks the rows of one run (in emails and notes)")
        parser.add_argument("--customers", type=int, default=10)
        parser.add_argument("--products", type=int, default=0, help="create this many products first")

    def handle(self, *args, **options):
        tag = options["tag"]
        written = {"customers": [], "orders": [], "lines": [], "products": [], "error": None}
        try:
            for i in range(options["products"]):
                with transaction.atomic():
                    product = Product.objects.create(
                        sku="%s-%d" % (tag, i), title="Product %d of %s" % (i, tag),
                        price=Decimal("9.90") + i)
                written["products"].append(product.pk)
            products = list(Product.objects.order_by("id")[:2])
            if len(products) < 2:
                raise CommandError("the shop needs at least two products")
            for i in range(options["customers"]):
                with transaction.atomic():
                    customer = Customer.objects.create(
                        email="%s-%d@shop.test" % (tag, i), name="Customer %d of %s" % (i, tag))
                    order = Order.objects.create(customer=customer, note="order of %s" % tag)
                    lines = [OrderLine.objects.create(order=order, product=p, quantity=i + 1) for p in products]
                written["customers"].append(customer.pk)
                written["orders"].append(order.pk)
                written["lines"].extend(line.pk for line in lines)
        except Exception as e:  # report what was acknowledged before the failure
            written["error"] = "%s: %s" % (type(e).__name__, str(e).strip())
            self.stdout.write(json.dumps(written))
            raise CommandError(written["error"])
        self.stdout.write(json.dumps(written))
