// Test data: the troubleshooting ConfigMap's data as the chart renders it by default.
export const settingsData = {
  release: 'onload',
  serviceAccount: 'onload-troubleshooting',
  hostOnloadPath: '/opt/onload',
  image: 'registry.example.com/onload/onload-user:9.0.1.2',
  commandTimeoutSeconds: '30',
  reportDeadlineSeconds: '600',
  shellSeconds: '1200',
};
