"""Tests of reading real recordings and their step features; helpers that build small files."""
