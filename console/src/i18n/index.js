// A small i18n table: t('key', {param}) looks the key up in the current language (English as
// the fallback), and replaces {param}. The choice is remembered in localStorage; the first
// visit follows the browser's language.
import baseEn from './en.js';
import monitoringEn from './monitoring.en.js';
import monitoringZh from './monitoring.zh.js';
import resourcesEn from './resources.en.js';
import resourcesZh from './resources.zh.js';
import baseZh from './zh.js';
import wizardEn from './wizard.en.js';
import wizardZh from './wizard.zh.js';

// Pages with many strings keep them in their own pair of files, merged here.
const en = { ...baseEn, ...monitoringEn, ...resourcesEn, ...wizardEn };
const zh = { ...baseZh, ...monitoringZh, ...resourcesZh, ...wizardZh };
const TABLES = { en, zh };
const KEY = 'waygate.lang';
export const LANGUAGES = ['en', 'zh'];

function initial() {
  let saved = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch {
    saved = null; // storage can be disabled; the browser's language still works
  }
  if (LANGUAGES.includes(saved)) return saved;
  return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let current = initial();

export function lang() {
  return current;
}

export function setLang(next) {
  if (!LANGUAGES.includes(next)) return;
  current = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // not remembered, still switched
  }
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

export function t(key, params) {
  let text = TABLES[current][key];
  if (text === undefined) text = en[key];
  if (text === undefined) return key; // visible, so a missing key is noticed
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  }
  return text;
}

// Dates in the current language (the server sends RFC 3339 UTC).
export function formatTime(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(current === 'zh' ? 'zh-CN' : 'en-GB', {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    second: '2-digit',
  }).format(d);
}

document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
