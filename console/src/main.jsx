// Entry point: mounts the app into the page shell (src/index.html).
import { render } from 'preact';
import { App } from './app.jsx';
import './style.css';

render(<App />, document.getElementById('app'));
