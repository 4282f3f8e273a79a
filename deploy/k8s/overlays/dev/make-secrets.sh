#!/bin/sh
# Creates the dev overlay's Secrets with random values (nothing secret is committed):
#   mes-datastores  POSTGRES_PASSWORD, REDIS_PASSWORD   (the in-cluster data stores)
#   mes-secrets     DATABASE_URL, REDIS_URL, MES_S3_ACCESS_KEY, MES_S3_SECRET_KEY,
#                   MES_ADMIN_USERNAME, MES_ADMIN_PASSWORD, MES_INTERNAL_HOP_KEY
#   mes-jwt         jwt_private.pem, jwt_public.pem  (Ed25519)
#   grafana-admin   admin-user, admin-password
# Needs kubectl and openssl. Usage: ./make-secrets.sh [namespace]
set -eu
ns="${1:-mes-dev}"
rand() { openssl rand -hex 16; }
pg=$(rand); redis=$(rand); s3=$(rand); admin=$(rand); grafana=$(rand)
hop=$(openssl rand -hex 32)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
openssl genpkey -algorithm ed25519 -out "$tmp/jwt_private.pem"
openssl pkey -in "$tmp/jwt_private.pem" -pubout -out "$tmp/jwt_public.pem"

kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
kubectl -n "$ns" create secret generic mes-datastores \
  --from-literal=POSTGRES_PASSWORD="$pg" --from-literal=REDIS_PASSWORD="$redis"
kubectl -n "$ns" create secret generic mes-secrets \
  --from-literal=DATABASE_URL="postgresql://mes:$pg@postgres:5432/mes" \
  --from-literal=REDIS_URL="redis://:$redis@redis:6379/0" \
  --from-literal=MES_S3_ACCESS_KEY="mes-firmware" \
  --from-literal=MES_S3_SECRET_KEY="$s3" \
  --from-literal=MES_ADMIN_USERNAME="admin" \
  --from-literal=MES_ADMIN_PASSWORD="$admin" \
  --from-literal=MES_INTERNAL_HOP_KEY="$hop"
kubectl -n "$ns" create secret generic mes-jwt \
  --from-file=jwt_private.pem="$tmp/jwt_private.pem" --from-file=jwt_public.pem="$tmp/jwt_public.pem"
kubectl -n "$ns" create secret generic grafana-admin \
  --from-literal=admin-user=admin --from-literal=admin-password="$grafana"
echo "secrets created in $ns; MES admin password: $admin; Grafana admin password: $grafana"
