"""yys.contracts"""
