FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 STATIC_ROOT=/srv/static
WORKDIR /srv
COPY pyproject.toml README.md manifest.json manage.py ./
COPY app ./app
COPY webhooks ./webhooks
RUN pip install --no-cache-dir . && python manage.py collectstatic --noinput
EXPOSE 8000
# Web: gunicorn. Run the worker from the same image with `python manage.py worker`.
CMD ["sh", "-c", "python manage.py migrate --noinput && gunicorn app.wsgi:application -b 0.0.0.0:8000 -k gthread -w ${WEB_CONCURRENCY:-3} --threads ${WEB_THREADS:-1}"]
