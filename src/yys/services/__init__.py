"""yys.services"""
