export {
  type BuildWebAppOptions,
  type BuiltFile,
  buildWebApp,
  type WebAppBuild,
  webAppRoot,
} from './build.js';
