"""The rules of Herald. No Flask request objects in here: views pass an Actor and plain data."""
