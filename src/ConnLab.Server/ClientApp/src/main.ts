import './app.css';

document.getElementById('app')!.textContent = 'ConnLab dashboard';
