"""Agents working a ticket together: presence heartbeats and macros (canned replies)."""
