"""The outside libraries the write side calls, behind the shapes it needs: files on an
S3-compatible bucket (boto3), password hashing (argon2), reading what an uploaded file is
(Pillow, pypdf, pdfium). The local blob store and the event cipher (commands/blobs.py,
commands/keyring.py) are adapters too, kept beside their ports."""
