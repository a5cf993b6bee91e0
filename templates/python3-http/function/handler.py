def handle(event, context):
    return {
        "statusCode": 200,
        "body": "Hello from Python: " + event.body.decode("utf-8", "replace"),
    }
