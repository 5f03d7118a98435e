/**
 * Settings of Celery's other result stores (cache, Cassandra, S3, Azure, GCS, Couchbase,
 * ArangoDB, MongoDB, Cosmos DB, Elasticsearch, SQLAlchemy) and of the Redis backend's
 * connection, part of {@link SETTINGS}. celeriac accepts them so a pasted Celery config loads,
 * and reports them as not implemented.
 */
import { anything, bool, boolOrRecord, duration, int, nullable, record, stringList, text } from './codecs.js';
import { setting, type Codec } from './setting-spec.js';

function store<T, const C extends string, const O extends readonly string[]>(celery: C, old: O, codec: Codec<T>, defaultValue: NoInfer<T>, description: string) {
  return setting({ celery, old, codec, default: defaultValue, implemented: false, description });
}

const optionalText = nullable(text());
const optionalRecord = nullable(record());

export const STORE_SETTINGS = {
  cacheBackend: store('cache_backend', ['CELERY_CACHE_BACKEND'], optionalText, null, 'Cache backend (memcached) servers.'),
  cacheBackendOptions: store('cache_backend_options', ['CELERY_CACHE_BACKEND_OPTIONS'], record(), {}, 'Options of the cache backend client.'),
  cassandraEntryTtlMs: store('cassandra_entry_ttl', ['CASSANDRA_ENTRY_TTL'], nullable(duration()), null, 'Cassandra: result time to live.'),
  cassandraKeyspace: store('cassandra_keyspace', ['CASSANDRA_KEYSPACE'], optionalText, null, 'Cassandra: keyspace.'),
  cassandraPort: store('cassandra_port', ['CASSANDRA_PORT'], nullable(anything()), null, 'Cassandra: port.'),
  cassandraReadConsistency: store('cassandra_read_consistency', ['CASSANDRA_READ_CONSISTENCY'], optionalText, null, 'Cassandra: read consistency level.'),
  cassandraServers: store('cassandra_servers', ['CASSANDRA_SERVERS'], nullable(stringList()), null, 'Cassandra: servers.'),
  cassandraBundlePath: store('cassandra_bundle_path', ['CASSANDRA_BUNDLE_PATH'], optionalText, null, 'Cassandra: secure connect bundle (Astra).'),
  cassandraTable: store('cassandra_table', ['CASSANDRA_TABLE'], optionalText, null, 'Cassandra: table.'),
  cassandraWriteConsistency: store('cassandra_write_consistency', ['CASSANDRA_WRITE_CONSISTENCY'], optionalText, null, 'Cassandra: write consistency level.'),
  cassandraAuthProvider: store('cassandra_auth_provider', ['CASSANDRA_AUTH_PROVIDER'], optionalText, null, 'Cassandra: auth provider class.'),
  cassandraAuthKwargs: store('cassandra_auth_kwargs', ['CASSANDRA_AUTH_KWARGS'], nullable(anything()), null, 'Cassandra: auth provider arguments.'),
  cassandraOptions: store('cassandra_options', ['CASSANDRA_OPTIONS'], record(), {}, 'Cassandra: cluster options.'),
  s3AccessKeyId: store('s3_access_key_id', ['S3_ACCESS_KEY_ID'], optionalText, null, 'S3: access key id.'),
  s3SecretAccessKey: store('s3_secret_access_key', ['S3_SECRET_ACCESS_KEY'], optionalText, null, 'S3: secret access key.'),
  s3Bucket: store('s3_bucket', ['S3_BUCKET'], optionalText, null, 'S3: bucket.'),
  s3BasePath: store('s3_base_path', ['S3_BASE_PATH'], optionalText, null, 'S3: key prefix.'),
  s3EndpointUrl: store('s3_endpoint_url', ['S3_ENDPOINT_URL'], optionalText, null, 'S3: endpoint URL.'),
  s3Region: store('s3_region', ['S3_REGION'], optionalText, null, 'S3: region.'),
  azureblockblobContainerName: store('azureblockblob_container_name', ['AZUREBLOCKBLOB_CONTAINER_NAME'], text(), 'celery', 'Azure Blob: container.'),
  azureblockblobRetryInitialBackoffMs: store('azureblockblob_retry_initial_backoff_sec', ['AZUREBLOCKBLOB_RETRY_INITIAL_BACKOFF_SEC'], duration(), 2000, 'Azure Blob: first retry wait.'),
  azureblockblobRetryIncrementBase: store('azureblockblob_retry_increment_base', ['AZUREBLOCKBLOB_RETRY_INCREMENT_BASE'], int({ min: 1 }), 2, 'Azure Blob: retry backoff base.'),
  azureblockblobRetryMaxAttempts: store('azureblockblob_retry_max_attempts', ['AZUREBLOCKBLOB_RETRY_MAX_ATTEMPTS'], int({ min: 0 }), 3, 'Azure Blob: retries.'),
  azureblockblobBasePath: store('azureblockblob_base_path', ['AZUREBLOCKBLOB_BASE_PATH'], text(), '', 'Azure Blob: blob name prefix.'),
  azureblockblobConnectionTimeoutMs: store('azureblockblob_connection_timeout', ['AZUREBLOCKBLOB_CONNECTION_TIMEOUT'], duration(), 20_000, 'Azure Blob: connection timeout.'),
  azureblockblobReadTimeoutMs: store('azureblockblob_read_timeout', ['AZUREBLOCKBLOB_READ_TIMEOUT'], duration(), 120_000, 'Azure Blob: read timeout.'),
  gcsBucket: store('gcs_bucket', ['GCS_BUCKET'], optionalText, null, 'Google Cloud Storage: bucket.'),
  gcsProject: store('gcs_project', ['GCS_PROJECT'], optionalText, null, 'Google Cloud Storage: project.'),
  gcsBasePath: store('gcs_base_path', ['GCS_BASE_PATH'], text(), '', 'Google Cloud Storage: object name prefix.'),
  gcsTtlMs: store('gcs_ttl', ['GCS_TTL'], duration(), 0, 'Google Cloud Storage: result time to live; 0 keeps results.'),
  couchbaseBackendSettings: store('couchbase_backend_settings', ['CELERY_COUCHBASE_BACKEND_SETTINGS'], optionalRecord, null, 'Couchbase backend options.'),
  arangodbBackendSettings: store('arangodb_backend_settings', ['CELERY_ARANGODB_BACKEND_SETTINGS'], optionalRecord, null, 'ArangoDB backend options.'),
  mongodbBackendSettings: store('mongodb_backend_settings', ['CELERY_MONGODB_BACKEND_SETTINGS'], optionalRecord, null, 'MongoDB backend options.'),
  cosmosdbsqlDatabaseName: store('cosmosdbsql_database_name', ['COSMOSDBSQL_DATABASE_NAME'], text(), 'celerydb', 'Cosmos DB: database.'),
  cosmosdbsqlCollectionName: store('cosmosdbsql_collection_name', ['COSMOSDBSQL_COLLECTION_NAME'], text(), 'celerycol', 'Cosmos DB: collection.'),
  cosmosdbsqlConsistencyLevel: store('cosmosdbsql_consistency_level', ['COSMOSDBSQL_CONSISTENCY_LEVEL'], text(), 'Session', 'Cosmos DB: consistency level.'),
  cosmosdbsqlMaxRetryAttempts: store('cosmosdbsql_max_retry_attempts', ['COSMOSDBSQL_MAX_RETRY_ATTEMPTS'], int({ min: 0 }), 9, 'Cosmos DB: retries.'),
  cosmosdbsqlMaxRetryWaitTimeMs: store('cosmosdbsql_max_retry_wait_time', ['COSMOSDBSQL_MAX_RETRY_WAIT_TIME'], duration(), 30_000, 'Cosmos DB: longest retry wait.'),
  redisBackendUseSsl: store('redis_backend_use_ssl', ['CELERY_REDIS_BACKEND_USE_SSL'], nullable(boolOrRecord()), null, 'Redis backend: TLS options (`rediss://` URLs also turn TLS on).'),
  redisDb: store('redis_db', ['CELERY_REDIS_DB'], nullable(int({ min: 0 })), null, 'Redis backend: database number (deprecated: use the URL).'),
  redisHost: store('redis_host', ['CELERY_REDIS_HOST'], optionalText, null, 'Redis backend: host (deprecated: use the URL).'),
  redisMaxConnections: store('redis_max_connections', ['CELERY_REDIS_MAX_CONNECTIONS'], nullable(int({ min: 1 })), null, 'Redis backend: connection pool size.'),
  redisUsername: store('redis_username', ['CELERY_REDIS_USERNAME'], optionalText, null, 'Redis backend: user (deprecated: use the URL).'),
  redisPassword: store('redis_password', ['CELERY_REDIS_PASSWORD'], optionalText, null, 'Redis backend: password (deprecated: use the URL).'),
  redisPort: store('redis_port', ['CELERY_REDIS_PORT'], nullable(int({ min: 1, max: 65535 })), null, 'Redis backend: port (deprecated: use the URL).'),
  redisSocketTimeoutMs: store('redis_socket_timeout', ['CELERY_REDIS_SOCKET_TIMEOUT'], nullable(duration()), 120_000, 'Redis backend: socket read/write timeout.'),
  redisSocketConnectTimeoutMs: store('redis_socket_connect_timeout', ['CELERY_REDIS_SOCKET_CONNECT_TIMEOUT'], nullable(duration()), null, 'Redis backend: connect timeout.'),
  redisRetryOnTimeout: store('redis_retry_on_timeout', ['CELERY_REDIS_RETRY_ON_TIMEOUT'], bool(), false, 'Redis backend: retry commands that time out.'),
  redisSocketKeepalive: store('redis_socket_keepalive', ['CELERY_REDIS_SOCKET_KEEPALIVE'], bool(), false, 'Redis backend: TCP keepalive.'),
  // Read by Celery's Redis backend with conf.get() though absent from its defaults table, so they have no old name.
  redisBackendHealthCheckIntervalMs: store('redis_backend_health_check_interval', [], nullable(duration()), null, 'Redis backend: connection health check interval.'),
  redisClientName: store('redis_client_name', [], optionalText, null, 'Redis backend: CLIENT SETNAME of its connections.'),
  elasticsearchRetryOnTimeout: store('elasticsearch_retry_on_timeout', ['CELERY_ELASTICSEARCH_RETRY_ON_TIMEOUT'], nullable(bool()), null, 'Elasticsearch: retry on timeout.'),
  elasticsearchMaxRetries: store('elasticsearch_max_retries', ['CELERY_ELASTICSEARCH_MAX_RETRIES'], nullable(int({ min: 0 })), null, 'Elasticsearch: retries.'),
  elasticsearchTimeoutMs: store('elasticsearch_timeout', ['CELERY_ELASTICSEARCH_TIMEOUT'], nullable(duration()), null, 'Elasticsearch: request timeout.'),
  elasticsearchSaveMetaAsText: store('elasticsearch_save_meta_as_text', ['CELERY_ELASTICSEARCH_SAVE_META_AS_TEXT'], bool(), true, 'Elasticsearch: store result meta as text.'),
  databaseUrl: store('database_url', ['CELERY_RESULT_DBURI'], optionalText, null, 'SQLAlchemy backend: database URL.'),
  databaseEngineOptions: store('database_engine_options', ['CELERY_RESULT_ENGINE_OPTIONS'], optionalRecord, null, 'SQLAlchemy backend: engine options.'),
  databaseShortLivedSessions: store('database_short_lived_sessions', ['CELERY_RESULT_DB_SHORT_LIVED_SESSIONS'], bool(), false, 'SQLAlchemy backend: one session per operation.'),
  databaseTableSchemas: store('database_table_schemas', ['DATABASE_TABLE_SCHEMAS'], optionalRecord, null, 'SQLAlchemy backend: table schemas.'),
  databaseTableNames: store('database_table_names', ['CELERY_RESULT_DB_TABLENAMES'], optionalRecord, null, 'SQLAlchemy backend: table names.'),
  databaseCreateTablesAtSetup: store('database_create_tables_at_setup', ['DATABASE_CREATE_TABLES_AT_SETUP'], bool(), true, 'SQLAlchemy backend: create tables at startup (Celery 5.5+).'),
};
