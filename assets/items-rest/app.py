"""items-rest: a small REST API for items, the sample app droplift deploys.

    GET    /items          every item, as JSON
    POST   /items          {"name": "chair", "price": 12.5} adds one (201)
    GET    /items/<name>   one item (404 if there is none)
    DELETE /items/<name>   removes one
    GET    /health         {"status": "ok"} when the database answers, else 503

The database is the one in the environment variable DATABASE_URL, in the standard form
postgresql://johndoe:secret@127.0.0.1:5432/johndoe (the password URL-encoded).
The table is created when the app starts, so a new database needs no setup.
"""

import os

from flask import Flask, jsonify, request
from sqlalchemy import Numeric, String, create_engine, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    price: Mapped[float] = mapped_column(Numeric(10, 2, asdecimal=False))

    def json(self):
        return {"name": self.name, "price": self.price}


def database_url():
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        # uWSGI's need-app turns this into a stopped service with this line in its journal,
        # rather than an app that answers 500 to everything.
        raise RuntimeError(
            "DATABASE_URL is not set: it belongs in the environment file the service reads"
        )
    # DATABASE_URL comes in the standard form every framework reads (postgresql:// or
    # postgres://). SQLAlchemy picks its default driver from its own version (2.0: psycopg2,
    # 2.1: psycopg 3), so the app names the driver it installs, psycopg2, here in its code.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


engine = create_engine(database_url(), pool_pre_ping=True)
Base.metadata.create_all(engine)
# uWSGI forks its workers after this import: each must open its own connections, never share
# the one create_all used.
engine.dispose()

app = Flask(__name__)


def error(status, message):
    response = jsonify({"error": message})
    response.status_code = status
    return response


@app.get("/items")
def list_items():
    with Session(engine) as session:
        items = session.scalars(select(Item).order_by(Item.name)).all()
        return jsonify({"items": [item.json() for item in items]})


@app.post("/items")
def add_item():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return error(400, 'send JSON like {"name": "chair", "price": 12.5}')
    name, price = data.get("name"), data.get("price")
    if not isinstance(name, str) or not name.strip() or len(name) > 80:
        return error(400, "name must be text of 1 to 80 characters")
    if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0:
        return error(400, "price must be a number, 0 or more")
    with Session(engine) as session:
        item = Item(name=name.strip(), price=price)
        session.add(item)
        try:
            session.commit()
        except IntegrityError:
            return error(409, f"an item named {name.strip()!r} exists already")
        return jsonify(item.json()), 201


@app.get("/items/<name>")
def get_item(name):
    with Session(engine) as session:
        item = session.scalar(select(Item).where(Item.name == name))
        if item is None:
            return error(404, f"no item named {name!r}")
        return jsonify(item.json())


@app.delete("/items/<name>")
def delete_item(name):
    with Session(engine) as session:
        item = session.scalar(select(Item).where(Item.name == name))
        if item is None:
            return error(404, f"no item named {name!r}")
        session.delete(item)
        session.commit()
        return jsonify({"deleted": name})


@app.get("/health")
def health():
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError:
        return error(503, "the database does not answer")
    return jsonify({"status": "ok"})


@app.errorhandler(404)
def not_found(_):
    return error(404, "no such page: try /items")


@app.errorhandler(405)
def not_allowed(_):
    return error(405, "this address does not take that method")


@app.errorhandler(500)
def server_error(_):
    return error(500, "the app failed; its log says why")
