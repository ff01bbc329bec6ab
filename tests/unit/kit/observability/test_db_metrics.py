"""How statements and their errors are classified (labels of the SQL client metrics)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from yys.kit.observability.db_metrics import error_type_of, operation_of


@pytest.mark.parametrize(("statement", "operation"), [
    ("SELECT 1", "select"), ("select * from t", "select"), ("\n   SELECT x", "select"),
    ("INSERT INTO t VALUES (1)", "insert"), ("INSERT IGNORE INTO t", "insert"),
    ("REPLACE INTO t VALUES (1)", "insert"), ("UPDATE t SET a = 1", "update"),
    ("DELETE FROM t", "delete"), ("CREATE TABLE t (a int)", "other"), ("BEGIN", "other"),
    ("WITH x AS (SELECT 1) SELECT * FROM x", "other"), ("", "other"),
])
def test_operation_of(statement: str, operation: str) -> None:
    assert operation_of(statement) == operation


class _DriverError(Exception):
    pass


@pytest.mark.parametrize(("exc", "kind"), [
    (IntegrityError("INSERT", {}, _DriverError(1062, "Duplicate entry")), "integrity"),
    (OperationalError("UPDATE", {}, _DriverError(1205, "Lock wait timeout exceeded")), "timeout"),
    (OperationalError("UPDATE", {}, _DriverError("database is locked")), "timeout"),
    (OperationalError("SELECT", {}, _DriverError(2013, "Lost connection")), "operational"),
    (ProgrammingError("SELEC", {}, _DriverError(1064, "syntax")), "other"),
    (RuntimeError("not a driver error"), "other"),
    (sqlite3.IntegrityError("UNIQUE constraint failed"), "integrity"),  # raw driver errors
    (sqlite3.OperationalError("database is locked"), "timeout"),
    (sqlite3.OperationalError("no such table: t"), "operational"),
])
def test_error_type_of(exc: BaseException, kind: str) -> None:
    assert error_type_of(exc) == kind
