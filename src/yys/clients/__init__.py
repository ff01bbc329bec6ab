"""yys.clients"""
