FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings that load; these placeholders never serve a request.
RUN DEBUG=false SECRET_KEY=collectstatic ALLOWED_HOSTS=localhost SITE_URL=https://localhost \
    python manage.py collectstatic --noinput
RUN useradd --create-home societas && mkdir -p /app/var && chown -R societas /app/var
USER societas
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--logger-class", "config.log_redaction.GunicornLogger"]
