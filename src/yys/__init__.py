"""yys: homestay booking platform."""
