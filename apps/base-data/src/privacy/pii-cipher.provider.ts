import type { Provider } from '@nestjs/common';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { PiiCipher } from './pii-cipher';

export const piiCipherProvider: Provider = {
  provide: PiiCipher,
  inject: [SERVICE_CONFIG],
  useFactory: (config: AppConfig) => new PiiCipher(config.own.PII_KEYS, config.own.PII_HASH_KEY, config.own.PII_SEAL_FORMAT),
};
