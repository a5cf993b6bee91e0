import json


def handle(event, context):
    """Pretty-prints a JSON body (sorted keys, two-space indent); 400 with the reason if it is not JSON."""
    text = event.body.decode("utf-8", "replace")
    try:
        value = json.loads(text)
    except ValueError as err:
        return {"statusCode": 400, "body": f"not JSON: {err}\n"}
    indent = int(event.query.get("indent", 2)) if str(event.query.get("indent", "2")).isdigit() else 2
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(value, indent=indent, sort_keys=True) + "\n",
    }
