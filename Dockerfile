# One image for web, worker and beat (docker-compose.yml chooses the command).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PROSYNC_ENV=production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings but no database: give it throw-away values at build time only.
RUN SECRET_KEY=build-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput
RUN useradd --create-home prosync && chown -R prosync /app
USER prosync
EXPOSE 8000
# One web worker process per core (uvicorn reads WEB_CONCURRENCY); the channel layer in Redis
# carries live events between them.
ENV WEB_CONCURRENCY=2
CMD ["uvicorn", "prosync.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--ws", "websockets", "--proxy-headers"]
