#!/bin/sh
# The request body arrives on stdin; HTTP headers as Http_* variables (Http_Method, Http_Query...).
cat
