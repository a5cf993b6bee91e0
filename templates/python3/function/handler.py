def handle(req):
    """Handle a request to the function.

    Args:
        req (str): request body
    """
    return req
