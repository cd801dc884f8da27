import "./styles/page.css";
import "./ui/fw-app";
