import { testMigrations } from '@fusion/service-kit/testing';
import { migrations } from './migrations.ts';

testMigrations('cv-engine', migrations, ['documents']);
