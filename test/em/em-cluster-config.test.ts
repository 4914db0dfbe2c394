import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { defaultCluster } from '../../src/demo/prepare-database.js';
import { nodeUrlList } from '../../src/em/em-cluster.js';

describe('an EM cluster is a list of node URLs', () => {
  it('ROOST_EM_URL with several nodes seeds the default cluster with all of them', () => {
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      ROOST_DATA_DIR: '/tmp/roost-test-unused',
      ROOST_EM_URL: 'https://cucm1.example.com:8443,https://cucm2.example.com:8443',
      ROOST_EM_APP_USER: 'roost-em',
      ROOST_EM_APP_PASSWORD: 'secret',
      SESSION_SECRET: 'a'.repeat(64),
    });
    const cluster = defaultCluster(config, undefined);
    expect(nodeUrlList(cluster.serviceUrl)).toEqual([
      'https://cucm1.example.com:8443',
      'https://cucm2.example.com:8443',
    ]);
  });

  it('splits on commas and spaces and drops trailing slashes', () => {
    expect(nodeUrlList(' http://a:8080/, http://b:8080 ,,http://c:8080 ')).toEqual([
      'http://a:8080',
      'http://b:8080',
      'http://c:8080',
    ]);
  });
});
